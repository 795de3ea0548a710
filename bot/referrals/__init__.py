"""Referrals to the response network (platform trust-and-safety teams, vn-cop.vn, police,
child-protection offices, NGOs): recipients and routing, referrals with their status
history, export packages with their SHA-256, senders, and row 4.3 with outcomes."""
