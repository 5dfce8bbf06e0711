/**
 * The Django rules' premises against Debian's Django 3.2 under gunicorn: what the rules flag
 * for SECURE_PROXY_SSL_HEADER (a name Django never finds, a value that never matches) really
 * leaves an https request looking like http, and what they accept really works; Django
 * takes the client from REMOTE_ADDR, never from X-Forwarded-For (the model believes no client
 * header). The client connects from 127.0.0.77, outside gunicorn's forwarded_allow_ips, so
 * gunicorn's own scheme headers do not mask Django's.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { djangoHandler } from '../../../src/lint/django/handler.js';
import { lintText } from '../../../src/lint/engine.js';
import { APP_SERVER_BINARIES } from '../../lab/app-servers.js';
import { request } from '../../lab/client.js';
import { labTest, requireBinary } from '../../lab/harness.js';

/** A one-view Django project whose SECURE_PROXY_SSL_HEADER comes from the environment. */
const APP = `import json, os
from django.conf import settings
settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=['*'],
    ROOT_URLCONF=__name__,
    SECRET_KEY='lint-test',
    MIDDLEWARE=[],
    SECURE_PROXY_SSL_HEADER=tuple(json.loads(os.environ['SSL_HEADER'])),
)
from django.http import JsonResponse
from django.urls import path
def view(request):
    return JsonResponse({'scheme': request.scheme, 'client': request.META.get('REMOTE_ADDR')})
urlpatterns = [path('', view)]
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
`;

const CASES: { setting: [string, string]; rule?: string; https: boolean }[] = [
  { setting: ['HTTP_X_FORWARDED_PROTO', 'https'], https: true },
  { setting: ['X-Forwarded-Proto', 'https'], rule: 'django/proxy-ssl-header-name', https: false },
  { setting: ['X_FORWARDED_PROTO', 'https'], rule: 'django/proxy-ssl-header-name', https: false },
  {
    setting: ['HTTP_X_FORWARED_PROTO', 'https'],
    rule: 'django/proxy-ssl-header-name',
    https: false,
  },
  {
    setting: ['HTTP_X_FORWARDED_PROTO', 'HTTPS'],
    rule: 'django/proxy-ssl-header-value',
    https: false,
  },
  {
    setting: ['HTTP_X_FORWARDED_PROTO', 'on'],
    rule: 'django/proxy-ssl-header-value',
    https: false,
  },
];

describe('Django 3.2 reads SECURE_PROXY_SSL_HEADER as the rules say', () => {
  labTest(
    'flagged settings never see https; accepted ones do; the client is REMOTE_ADDR',
    async (lab) => {
      lab.writeFile('lintdj.py', APP);
      // one server at a time: in parallel, Django's first import outlasts the request timeout on 2 cores
      for (const c of CASES) {
        const text = `SECURE_PROXY_SSL_HEADER = ('${c.setting[0]}', '${c.setting[1]}')\n`;
        const rules = lintText(text, 'django')
          .findings.map((f) => f.rule)
          .filter((r) => r.startsWith('django/proxy-ssl-header'));
        assert.deepEqual(rules, c.rule ? [c.rule] : [], text);
        const parsed = djangoHandler.parse('settings.py', text, { noIncludes: true });
        const model = djangoHandler.model!(parsed.input)[0]!;
        assert.equal(
          model.believes.some((b) => b.name === 'x-forwarded-proto' && b.value === 'https'),
          c.https,
          `model: ${text}`,
        );
        const port = await lab.freePort();
        const p = lab.spawn(
          `gunicorn ${c.setting.join(' ')}`,
          requireBinary(APP_SERVER_BINARIES.gunicorn),
          [
            '--bind',
            `127.0.0.1:${port}`,
            '--workers',
            '1',
            '--chdir',
            lab.dir,
            'lintdj:application',
          ],
          {
            env: {
              ...process.env,
              SSL_HEADER: JSON.stringify(c.setting),
              PYTHONDONTWRITEBYTECODE: '1',
            },
          },
        );
        await lab.waitForPort(port, { process: p, timeoutMs: 60000 });
        const r = await request({
          url: `http://app.test:${port}/`,
          connect: { host: '127.0.0.1', port },
          headers: [
            ['X-Forwarded-Proto', 'https'],
            ['X-Forwarded-For', '203.0.113.9'],
          ],
          localAddress: '127.0.0.77',
        });
        assert.equal(r.status, 200, r.body);
        const got = JSON.parse(r.body) as { scheme: string; client: string };
        assert.equal(got.scheme, c.https ? 'https' : 'http', text);
        assert.equal(got.client, '127.0.0.77');
        p.child.kill('SIGTERM');
        await p.exited;
      }
    },
    { timeout: 120000 },
  );
});
