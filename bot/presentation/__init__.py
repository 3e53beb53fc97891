"""How a request reads, whatever shows it: in sentences (the chat's screens, the table, the acknowledgement, the
e-mail), its history in lines, and the overview's filters. Shared by the chat's features, the Mini App, the use cases
and the documents; it imports none of them."""
