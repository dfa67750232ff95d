"""A real Dovecot IMAP server on 127.0.0.1 for the tests: started in a temporary directory,
on a free port, with one user and a plain password, and stopped afterwards.

Debian's ``dovecot-imapd`` (installed by ``scripts/setup.sh``) provides ``/usr/sbin/dovecot``;
the system's own configuration and service are not used. Run as root, the mailboxes belong to
the ``dovecot`` user (Dovecot refuses to store mail as root); otherwise to whoever runs the tests.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def temporary_root() -> Path:
    """A directory for a server, in ``/tmp`` itself: pytest's own temporary directories sit
    under a directory only root may enter, which Dovecot's unprivileged processes can't."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="dsar-dovecot-"))


@dataclass
class Dovecot:
    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    user: str = "arkiv"
    password: str = "hemmelig-test-passord"

    def start(self) -> Dovecot:
        # Dovecot's own users read its configuration and password file: made readable under
        # a usual umask, not the private one a workspace opened in this process sets.
        previous = os.umask(0o022)
        try:
            return self._start()
        finally:
            os.umask(previous)

    def _start(self) -> Dovecot:
        if not Path(DOVECOT).exists():
            raise RuntimeError("dovecot is not installed: run scripts/setup.sh (Debian package dovecot-imapd)")
        self.port = _free_port()
        # Dovecot's auth and mail processes run as its own users: they must reach the files.
        self.root.chmod(0o711)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
            internal, login = "dovecot", "dovenull"
            os.chown(self.root / "mail", uid, gid)
        else:
            uid, gid = os.getuid(), os.getgid()
            internal = login = pwd.getpwuid(uid).pw_name
        group = grp.getgrgid(gid).gr_name
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        (self.root / "dovecot.conf").write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
instance_name = dsar-test-{self.port}
listen = {self.host}
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.root}/mail/%u
first_valid_uid = {min(uid, 1) if uid else 1}
mail_uid = {uid}
mail_gid = {group}
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        # The master forks into the background keeping its standard streams: pipes would
        # never close, so they go to a file.
        with (self.root / "start.log").open("wb") as log:
            subprocess.run(
                [DOVECOT, "-c", str(self.root / "dovecot.conf")],
                check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start; see {self.root}/dovecot.log")

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port)
        conn.login(self.user, self.password)
        return conn

    def append(self, folder: str, raw: bytes) -> None:
        conn = self.client()
        try:
            if folder != "INBOX":
                conn.create(folder)
            status, _ = conn.append(folder, None, None, raw)
            assert status == "OK"
        finally:
            conn.logout()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
