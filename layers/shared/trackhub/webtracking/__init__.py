"""Web tracking (Falkor "Pathways" dialect): pathways, web activities, users, launches, pull and push."""
