"""Chatbot that helps Vietnamese children stay safe online and reach the 111 hotline."""
