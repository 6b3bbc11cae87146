"""A small real SMTP server on 127.0.0.1 for the mail tests: it records what it accepts and refuses what it is told
to, with the replies a relay gives."""

import contextlib
import SocketServer
import threading


class _Conversation(SocketServer.StreamRequestHandler):
    def handle(self):
        config = self.server.config
        envelope = {'from': None, 'to': []}
        self._reply('220 localhost test SMTP')
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command, _, argument = line.strip().partition(' ')
            command = command.upper()
            if command in ('EHLO', 'HELO'):
                self._reply('250 localhost' if command == 'HELO' else '250-localhost\r\n250 8BITMIME')
            elif command == 'MAIL':
                address = _address(argument)
                if address in config.refused_senders:
                    self._reply(config.refused_senders[address])
                else:
                    envelope['from'] = address
                    self._reply('250 OK')
            elif command == 'RCPT':
                address = _address(argument)
                if address in config.refused_recipients:
                    self._reply(config.refused_recipients[address])
                else:
                    envelope['to'].append(address)
                    self._reply('250 OK')
            elif command == 'DATA':
                self._reply('354 go ahead')
                lines = []
                for data_line in iter(self.rfile.readline, ''):
                    if data_line == '.\r\n':
                        break
                    lines.append(data_line[1:] if data_line.startswith('..') else data_line)
                config.received.append((envelope['from'], list(envelope['to']), ''.join(lines)))
                self._reply('250 queued')
            elif command == 'RSET':
                envelope = {'from': None, 'to': []}
                config.resets += 1
                self._reply('250 OK')
            elif command == 'QUIT':
                self._reply('221 bye')
                return
            else:
                self._reply('502 not implemented')

    def _reply(self, text):
        self.wfile.write(text + '\r\n')


def _address(argument):
    return argument.partition(':')[2].split()[0].strip('<>') if ':' in argument else ''


class SmtpServerConfig(object):
    def __init__(self):
        self.refused_senders = {}
        self.refused_recipients = {}
        self.received = []
        self.resets = 0


class _Server(SocketServer.ThreadingMixIn, SocketServer.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def local_smtp_server():
    """Yields (port, config): config.refused_* map addresses to the reply that refuses them; config.received lists
    (envelope sender, envelope recipients, message text) of every message accepted."""
    server = _Server(('127.0.0.1', 0), _Conversation)
    server.config = SmtpServerConfig()
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server.server_address[1], server.config
    finally:
        server.shutdown()
        server.server_close()
