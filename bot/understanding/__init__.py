"""Understanding a text: the Rasa classifier, the safety screen, evidence and triage."""
