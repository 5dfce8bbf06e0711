/**
 * The SARIF 2.1.0 frame both reports share (audit and lint): one run, the tool's rules as
 * reporting descriptors, then the report's own results.
 */

/** A SARIF level. */
export type SarifLevel = 'error' | 'warning' | 'note';

/** What a rule (an audit check or a lint rule) says about itself. */
export interface SarifRuleSource {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly fix: string;
}

/** One rule as a SARIF reporting descriptor. */
export function sarifRule(
  r: SarifRuleSource,
  level: SarifLevel,
  securitySeverity: string,
  tags: readonly string[],
  properties: Readonly<Record<string, unknown>> = {},
) {
  return {
    id: r.id,
    name: r.title,
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: r.fix },
    defaultConfiguration: { level },
    properties: { tags: [...tags], 'security-severity': securitySeverity, ...properties },
  };
}

/** A SARIF 2.1.0 log of one run of `name`. */
export function sarifLog<R, I extends object, X>(
  name: string,
  version: string,
  rules: readonly R[],
  invocation: I,
  results: readonly X[],
) {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0' as const,
    runs: [
      {
        tool: { driver: { name, semanticVersion: version, rules: [...rules] } },
        invocations: [invocation],
        results: [...results],
      },
    ],
  };
}
