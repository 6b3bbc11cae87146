"""os.environ during a request: python27 keys, app.yaml env_variables, platform variables, isolation."""

import concurrent.futures

import pytest

PLATFORM = {'GAE_SERVICE': 'checkout', 'GAE_VERSION': 'v7', 'GAE_INSTANCE': 'instance-1',
            'GOOGLE_CLOUD_PROJECT': 'shop-project', 'GAE_DEPLOYMENT_ID': '4242'}


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours')) as running:
        yield running


def env(app, *keys, **kwargs):
    return app.get('/env?keys=' + ','.join(keys), **kwargs).json()


def test_env_variables_from_app_yaml_are_visible(app):
    assert env(app, 'FROM_APP_YAML') == {'FROM_APP_YAML': 'configured-value'}


def test_local_defaults_of_the_python27_keys(app):
    values = env(app, 'APPLICATION_ID', 'CURRENT_MODULE_ID', 'CURRENT_VERSION_ID', 'SERVER_SOFTWARE',
                 'APPENGINE_RUNTIME', 'HTTPS', 'AUTH_DOMAIN', 'INSTANCE_ID', 'DEFAULT_VERSION_HOSTNAME')
    assert values['APPLICATION_ID'].startswith('dev~')
    assert values['CURRENT_MODULE_ID'] == 'default'
    assert values['SERVER_SOFTWARE'] == 'Google App Engine/1.9.88'
    assert values['APPENGINE_RUNTIME'] == 'python27'
    assert values['HTTPS'] == 'off'
    assert values['AUTH_DOMAIN'] == 'gmail.com'
    assert values['INSTANCE_ID']
    assert values['CURRENT_VERSION_ID'].count('.') == 1


def test_the_apps_wsgi_environ_says_production_too(app):
    # webapp2's self.request.environ, which the deferred builtin reads; python27 built it from os.environ.
    assert app.get('/wsgi-env?keys=SERVER_SOFTWARE').json() == {'SERVER_SOFTWARE': 'Google App Engine/1.9.88'}


def test_the_development_mode_says_development_to_the_app(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'DEVELOPMENT_MODE': 'true'}) as development:
        values = env(development, 'SERVER_SOFTWARE')
        wsgi_values = development.get('/wsgi-env?keys=SERVER_SOFTWARE').json()
    assert values == wsgi_values == {'SERVER_SOFTWARE': 'Development/1.9.88 python-compat'}


def test_request_keys_come_from_the_request(app):
    values = env(app, 'HTTP_HOST', 'REQUEST_METHOD', 'PATH_INFO', 'HTTP_X_CUSTOM', headers={'X-Custom': 'yes'})
    assert values['HTTP_HOST'].startswith('127.0.0.1:')
    assert values['REQUEST_METHOD'] == 'GET'
    assert values['PATH_INFO'] == '/env'
    assert values['HTTP_X_CUSTOM'] == 'yes'


def test_each_request_gets_a_fresh_request_log_id(app):
    ids = {env(app, 'REQUEST_LOG_ID')['REQUEST_LOG_ID'] for _ in range(5)}
    assert len(ids) == 5


def test_concurrent_requests_never_see_each_others_environ(app):
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda n: app.get('/isolation?value=v%d&sleep=0.3' % n).json(), range(20)))
    assert [r['value'] for r in responses] == ['v%d' % n for n in range(20)]
    assert len({r['log_id'] for r in responses}) == 20
    # and nothing a request wrote leaks into the next one
    assert env(app, 'PER_REQUEST_VALUE') == {'PER_REQUEST_VALUE': None}


def test_app_engine_flexible_variables_map_onto_python27_names(app_image, start_app):
    with start_app(app_image('behaviours'), environment=PLATFORM) as flex:
        values = env(flex, 'APPLICATION_ID', 'CURRENT_MODULE_ID', 'CURRENT_VERSION_ID', 'INSTANCE_ID',
                     'SERVER_SOFTWARE', 'DEFAULT_VERSION_HOSTNAME')
    assert values == {'APPLICATION_ID': 's~shop-project', 'CURRENT_MODULE_ID': 'checkout',
                      'CURRENT_VERSION_ID': 'v7.4242', 'INSTANCE_ID': 'instance-1',
                      'SERVER_SOFTWARE': 'Google App Engine/1.9.88',
                      'DEFAULT_VERSION_HOSTNAME': 'shop-project.appspot.com'}


def test_cloud_run_variables_map_onto_python27_names(app_image, start_app):
    cloud_run = {'K_SERVICE': 'api', 'K_REVISION': 'api-00042-abc', 'GOOGLE_CLOUD_PROJECT': 'run-project'}
    with start_app(app_image('behaviours'), environment=cloud_run) as run:
        values = env(run, 'APPLICATION_ID', 'CURRENT_MODULE_ID', 'CURRENT_VERSION_ID')
    assert values == {'APPLICATION_ID': 's~run-project', 'CURRENT_MODULE_ID': 'api',
                      'CURRENT_VERSION_ID': 'api-00042-abc.1'}
