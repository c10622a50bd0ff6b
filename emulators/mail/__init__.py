"""The mail emulator: the mail server of the offline departments' handlers (docs/offline-mail.md).

``create_emulator(seed=0, hub_url=None, hub_token=None, clock=None, smtp_host="127.0.0.1", smtp_port=0,
max_mails=10_000, imap_port=0, imap_user="onepoint-hub", imap_password="mail-dev-imap")``

An SMTP server (aiosmtpd) takes the hub's dispatch mails and keeps them (journal, ``GET /mail/messages``); a tester
answers one (``POST /mail/messages/{id}/answer``) and the emulator delivers the handler's reply to the hub's mail
ingress as the operator's mail server would, or (``"deliver": "imap"``) puts it into the hub's IMAP inbox, which
its IMAP server serves to the hub's ``[mail.inbox]`` poller. Endpoints: :mod:`emulators.mail.app`; behaviour:
:mod:`emulators.mail.service`; the reply: :mod:`emulators.mail.replies`; SMTP: :mod:`emulators.mail.smtp`; IMAP:
:mod:`emulators.mail.imap`.
"""

from emulators.mail.app import create_emulator

__all__ = ["create_emulator"]
