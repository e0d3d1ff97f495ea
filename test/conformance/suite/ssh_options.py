"""OpenSSH client options for a CUCM node: its RSA host key (ssh-rsa, off by default in OpenSSH >= 8.8); a lab host key is not pinned."""
SSH_OPTIONS = [
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "HostKeyAlgorithms=+ssh-rsa",
    "-o", "PubkeyAcceptedAlgorithms=+ssh-rsa",
    "-o", "PreferredAuthentications=password,keyboard-interactive",
    "-o", "LogLevel=ERROR",
]
