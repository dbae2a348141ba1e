/** The health monitors AMKO creates for one GslbService (gslb-pipeline.md §7.6). Pure. */
import type { HealthMonitor } from '../../shared/avi/types.js';
import type { HealthMonitorPolicy } from '../policy/effective-policy.js';
import type { HmTemplateInfo } from '../policy/accepted-policy.js';
import {
  CREATED_BY_MARKER,
  createdByValue,
  epochMarker,
  nonPathHmName,
  passthroughHmName,
  pathHmName,
  refByName,
  tenantRef,
} from './names.js';

export interface HmMember {
  readonly kind: 'INGRESS' | 'ROUTE' | 'LBSVC';
  readonly paths: readonly string[];
  readonly tls: boolean;
  readonly passthrough: boolean;
  readonly port?: number;
  readonly protocol?: 'TCP' | 'UDP';
}

export interface HmInput {
  readonly tenant: string;
  readonly gsName: string;
  readonly members: readonly HmMember[];
  readonly policy: HealthMonitorPolicy;
  readonly amkoUuid: string;
  readonly epoch: number;
}

export interface DesiredHealthMonitors {
  /** Monitors to create or keep, AMKO's own. */
  readonly monitors: readonly HealthMonitor[];
  /** `health_monitor_refs` of the GslbService, by name. */
  readonly refs: readonly string[];
}

const DEFAULT_REQUEST_METHOD = 'HEAD';
const DEFAULT_CODES: readonly string[] = ['HTTP_2XX', 'HTTP_3XX'];

function common(input: HmInput, name: string, description: string): HealthMonitor {
  return {
    name,
    type: 'HEALTH_MONITOR_TCP',
    is_federated: true,
    tenant_ref: tenantRef(input.tenant),
    description,
    send_interval: 10,
    receive_timeout: 4,
    successful_checks: 3,
    failed_checks: 3,
    allow_duplicate_monitors: true,
    markers: [
      { key: CREATED_BY_MARKER, values: [createdByValue(input.amkoUuid)] },
      epochMarker(input.epoch),
    ],
  };
}

function requestLine(path: string, template: HmTemplateInfo | undefined): string {
  if (!template) return `${DEFAULT_REQUEST_METHOD} ${path} HTTP/1.0`;
  const words = template.request.split(' ').filter((w) => w);
  return `${words[0] ?? DEFAULT_REQUEST_METHOD} ${path} ${words[2] ?? 'HTTP/1.0'}`;
}

function pathMonitor(
  input: HmInput,
  path: string,
  tls: boolean,
  t?: HmTemplateInfo,
): HealthMonitor {
  const protocol = tls ? 'https' : 'http';
  let description = `created by: amko, gsname: ${input.gsName}, path: ${path}, protocol: ${protocol}`;
  if (t) description += `, created from: ${t.name}`;
  const hm = common(input, pathHmName(protocol, input.gsName, path), description);
  const monitor = {
    http_request: requestLine(path, t),
    http_response_code: [...(t ? t.codes : DEFAULT_CODES)],
  };
  return tls
    ? { ...hm, type: 'HEALTH_MONITOR_HTTPS', monitor_port: 443, https_monitor: monitor }
    : { ...hm, type: 'HEALTH_MONITOR_HTTP', monitor_port: 80, http_monitor: monitor };
}

function nonPathMonitor(input: HmInput, svcs: readonly HmMember[]): HealthMonitor | undefined {
  let lowest: HmMember | undefined;
  for (const m of svcs) {
    if (m.port === undefined) continue;
    if (!lowest || m.port < (lowest.port ?? Infinity)) lowest = m;
  }
  if (!lowest) return undefined;
  const hm = common(
    input,
    nonPathHmName(input.gsName),
    `created by: amko, gsname: ${input.gsName}`,
  );
  if (lowest.protocol === 'UDP') {
    return {
      ...hm,
      type: 'HEALTH_MONITOR_UDP',
      monitor_port: lowest.port ?? 0,
      udp_monitor: { udp_request: 'created_by: amko, request string not required' },
    };
  }
  return { ...hm, monitor_port: lowest.port ?? 0, tcp_monitor: { tcp_half_open: false } };
}

function passthroughMonitor(input: HmInput): HealthMonitor {
  const hm = common(input, passthroughHmName(input.amkoUuid), 'created by: amko');
  return { ...hm, monitor_port: 443, tcp_monitor: { tcp_half_open: false } };
}

/** AMKO's monitors for the GS and the refs the GS carries. */
export function desiredHealthMonitors(input: HmInput): DesiredHealthMonitors {
  const policy = input.policy;
  if (policy.kind === 'none') return { monitors: [], refs: [] };
  if (policy.kind === 'refs') return { monitors: [], refs: [...policy.refs] };
  const pathMembers = input.members.filter((m) => m.kind !== 'LBSVC' && !m.passthrough);
  const tls = input.members.some((m) => m.tls);
  const paths = [...new Set(pathMembers.flatMap((m) => m.paths))].sort();
  const monitors = paths.map((p) => pathMonitor(input, p, tls, policy.template));
  const svc = nonPathMonitor(
    input,
    input.members.filter((m) => m.kind === 'LBSVC'),
  );
  if (svc) monitors.push(svc);
  if (input.members.some((m) => m.passthrough)) monitors.push(passthroughMonitor(input));
  return { monitors, refs: monitors.map((m) => m.name) };
}

/** `health_monitor_refs` entries for the GS body. */
export function hmRefs(names: readonly string[]): string[] {
  return names.map((n) => refByName('healthmonitor', n));
}
