"""The RAGE analytics collector: tracking codes, players, sessions, auth tokens, start/track/end."""
