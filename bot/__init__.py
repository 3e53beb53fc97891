"""Break@Work assistant: file the employer part of career-break requests in a chat."""
