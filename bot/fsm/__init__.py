"""The dialog machine: forms declared as steps, run by one `transitions` machine per form (bot/fsm/forms.py). It
registers on a router like a feature; the engine core does not import it."""
