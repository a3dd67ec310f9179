"""Settings classes, one module per concern; `trackhub.config` reads them (and imports each on first use)."""
