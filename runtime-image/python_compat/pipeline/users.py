"""The user keys of the WSGI environ and of a request's os.environ, as the SDK's users API reads them."""

USER_KEYS = ('USER_EMAIL', 'USER_ID', 'USER_NICKNAME', 'USER_ORGANIZATION', 'USER_IS_ADMIN')
# Nobody is signed in.
ANONYMOUS = {'USER_EMAIL': '', 'USER_ID': '', 'USER_NICKNAME': '', 'USER_ORGANIZATION': '', 'USER_IS_ADMIN': '0'}
# The runtime's own requests (tasks, cron, warmup) run as an administrator with no user, as dev_appserver ran
# them: `login: admin` lets them through, so users.is_current_user_admin() must agree.
PLATFORM_ADMIN = dict(ANONYMOUS, USER_IS_ADMIN='1')
