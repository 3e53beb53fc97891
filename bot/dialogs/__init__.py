"""The chat's features (one router each) and what they share: buttons, questions, a request in sentences, its
history, the overview's filters."""
