"""Ekademia {WEBHOOK} / {WEBHOOKJS} webhooks: codes, payloads, signing, the safe sender, delivery."""
