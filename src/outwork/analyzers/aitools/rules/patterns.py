"""Pieces of patterns that several instruction rules share: what counts as a credential file,
as a secret in words, and as a shell reached through a pipe."""

from __future__ import annotations

#: Files that hold credentials (paths as written in commands and prose). ``.env`` counts,
#: its example and template copies do not, nor ``process.env``.
CREDENTIAL_FILES = (
    r"(?:(?:~|\$HOME|\$\{HOME\}|%USERPROFILE%|/root|/home/[\w.-]+)/)?(?:\.ssh/[\w.*-]*"
    r"|\bid_(?:rsa|dsa|ecdsa|ed25519)\b"
    r"|\.aws/credentials\b|\.config/gcloud\b|\.azure/\w*|\.kube/config\b|\.docker/config\.json"
    r"|\.npmrc\b|\.pypirc\b|\.netrc\b|\.git-credentials\b|\.gnupg\b"
    r"|/etc/(?:passwd|shadow|sudoers)\b|\b\.?(?:bash|zsh)_history\b"
    r"|\blogin\.keychain(?:-db)?\b|\bwallet\.dat\b|\bLogin Data\b"
    r"|(?<![\w)\]])\.env(?!\.(?:example|sample|template|dist|defaults?|local\.example)\b)"
    r"(?:\.\w+)?\b)"
)
#: Secrets named in words.
CREDENTIAL_WORDS = (
    r"(?:ssh\s+keys?|private\s+keys?|id_rsa|\.env(?:\s+files?)?|environment\s+variables|env\s+vars?"
    r"|api[\s_-]+keys?|access\s+tokens?|auth(?:entication)?\s+tokens?|tokens|secrets?|credentials"
    r"|passwords?|cookies|session\s+tokens?|crypto\s+wallets?|wallets?|seed\s+phrases?"
    r"|mnemonics?|aws\s+(?:keys|credentials)|keychain)"
)
#: An interpreter a pipe or a command substitution hands text to.
INTERPRETER = (
    r"(?:sudo\s+(?:-\S+\s+)*)?(?:(?:ba|z|da|k|fi|c|tc)?sh\b|python[23]?(?:\.\d+)?\b(?!\s+-m\s+json\.tool)"
    r"|perl\b|ruby\b|node\b|php\b|iex\b|invoke-expression\b|pwsh\b|powershell(?:\.exe)?\b)"
)
#: Commands that download.
DOWNLOADER = r"(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|fetch|aria2c|http(?:ie)?)"
#: What a download names: a URL, a host with a path, an address or a variable holding one (a
#: bare ``curl … | sh`` written to talk about the pattern names nothing).
TARGET = (
    r"(?:\b(?:https?|ftp)://|\b[\w-]+(?:\.[\w-]+)+(?::\d+)?/|\b\d{1,3}(?:\.\d{1,3}){3}\b"
    r"|\$\{?[A-Za-z_]\w*)"
)
#: Where a prose instruction sends something: a URL, an e-mail address, a known drop.
DESTINATION = (
    r"(?:https?://\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+|\bwebhooks?\b|\bpastebin\b|\bgists?\b|\bdiscord\b"
    r"|\btelegram\b|\bngrok\b|\brequestbin\b|\bburp\s*collaborator\b|\bremote\s+server\b"
    r"|\bexternal\s+(?:server|endpoint|url)\b)"
)
