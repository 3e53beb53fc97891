"""The dialog machine: each form's states and moves as one `transitions` machine (machine.py), and the form runner
that turns what a user sends into its triggers (forms.py). It registers on a router like a feature; the engine core
does not import it."""
