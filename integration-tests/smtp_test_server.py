"""A real SMTP server for the mail tests (aiosmtpd, on 127.0.0.1): STARTTLS with a certificate from a test CA made
here, a login, and a relay policy that refuses one outside address. It records every message it accepts."""

import contextlib
import datetime
import ipaddress
import socket
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = 'app-mailer'
PASSWORD = 'mailer-password'
REFUSED_RECIPIENT = 'outside@example.org'


def free_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def write_test_ca_and_server_certificate(directory):
    """ca.pem (a CA the test trusts) and server.pem/server.key (for `localhost` and 127.0.0.1, signed by it)."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(subject, issuer, public_key, signing_key, ca, names=None):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'python-compat test CA')])
    ca = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    server = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]), ca_name,
                         server_key.public_key(), ca_key, False,
                         [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    (directory / 'ca.pem').write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / 'server.pem').write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (directory / 'server.key').write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    for path in directory.iterdir():
        path.chmod(0o644)  # the API server container reads ca.pem as its own user
    directory.chmod(0o755)


class RecordingRelay:
    """aiosmtpd handler: refuses REFUSED_RECIPIENT as a relay would, records what it accepts."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address == REFUSED_RECIPIENT:
            return '554 5.7.1 <%s>: Relay access denied' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append({'from': envelope.mail_from, 'to': list(envelope.rcpt_tos),
                              'content': envelope.original_content, 'tls': session.ssl is not None,
                              'login': session.auth_data.login if session.authenticated else None})
        return '250 Message accepted'


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    # handled=False: aiosmtpd answers the client itself (235 or 535).
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@contextlib.contextmanager
def smtp_test_server(certificate_directory):
    """Yields (port, RecordingRelay) of a server on 127.0.0.1 that requires STARTTLS and the login USER/PASSWORD."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate_directory / 'server.pem', certificate_directory / 'server.key')
    relay, port = RecordingRelay(), free_port()
    controller = Controller(relay, hostname='127.0.0.1', port=port, tls_context=context, require_starttls=True,
                            authenticator=_authenticate, auth_require_tls=True, ready_timeout=10)
    controller.start()
    try:
        yield port, relay
    finally:
        controller.stop()
