// The alert rules in ops/prometheus watch metrics this backend exports: every liverty_* name the
// rules file mentions must be in the registry of a server wired as main.ts wires it (actions
// included). A renamed metric would otherwise leave an alert that never fires.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSignupPolicy } from '../src/actions/signup-policy';
import { backendUnderTest } from './support/backend-under-test';

const RULES = join(__dirname, '..', '..', 'ops', 'prometheus', 'liverty-alerts.yml');
const DASHBOARD = join(__dirname, '..', '..', 'ops', 'grafana', 'liverty-dashboard.json');

/** Every sample name the exposition can hold: a histogram is read as _bucket, _count and _sum. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue;
    names.add(name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(name + suffix);
  }
  return names;
}

const mentioned = (text: string) => new Set(text.match(/\bliverty_[a-z0-9_]+/g) ?? []);

describe('alert rules and dashboard', () => {
  const backend = backendUnderTest({
    server: {
      actions: {
        signingKeys: {
          preaccesstoken: ['alert-rules-enricher-key'],
          preuserinfo: ['alert-rules-enricher-key'],
          'add-human-user': ['alert-rules-policy-key'],
        },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: [], blockedEmailDomains: [] }),
      },
    },
  });

  it('name only metrics the backend registers', async () => {
    const exported = exportedNames(await (await fetch(backend.server.metricsUrl)).text());
    // The check itself can fail: a name nobody registers is reported.
    expect(exported.has('liverty_reconciler_checkpoint_age_seconds')).toBe(true);
    expect(exported.has('liverty_no_such_metric_total')).toBe(false);

    for (const file of [RULES, DASHBOARD]) {
      const names = [...mentioned(readFileSync(file, 'utf8'))];
      expect(names.length, file).toBeGreaterThan(5);
      const unknown = names.filter((name) => !exported.has(name));
      expect(unknown, `${file} names metrics the backend does not export`).toEqual([]);
    }
  });

  it('give every alert a runbook line and a section in docs/runbook.md', () => {
    const rules = readFileSync(RULES, 'utf8');
    const runbook = readFileSync(join(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8');
    const alerts = [...rules.matchAll(/^ {6}- alert: (\w+)$/gm)].map((match) => match[1] ?? '');
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      const block =
        rules.slice(rules.indexOf(`- alert: ${alert}\n`)).split(/\n {6}- alert: /)[0] ?? '';
      expect(block, alert).toMatch(/\n {10}runbook: "\S/);
      expect(block, alert).toContain(`runbook_url: "docs/runbook.md#${alert.toLowerCase()}"`);
      expect(runbook, alert).toMatch(new RegExp(`^## ${alert}$`, 'm'));
    }
  });
});
