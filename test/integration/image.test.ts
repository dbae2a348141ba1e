/**
 * The container image of `make image` (scripts/image.sh, whose layer cache makes a second build
 * quick), run the way a container runtime runs it: every blob checked against its digest, the
 * layers unpacked in order, the root filesystem mounted read-only in a private mount namespace
 * with a tmpfs /tmp, /proc and a minimal /dev, and the image's ENTRYPOINT run under chroot as
 * the image's USER with nothing but the image's Env and WorkingDir. That amko leads real member
 * clusters (same network namespace, so loopback apiservers) and writes a GslbService to the Avi
 * simulator; the kubectl plugin from the image reads the federation's status.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { StatusReport } from '../../src/cli/status-report.js';
import { eventually } from '../support/eventually.js';
import { expectedGs, normalize, pathHmName } from '../support/leader-expect.js';
import { LeaderFixture, type AmkoCommand } from '../support/leader-fixture.js';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);
const UUID = '44444444-5555-4666-8777-888888888888';
const NS = 'image';
const HOST = `shop.${NS}.example.com`;
/** Where the kubeconfig is mounted inside the container. */
const KUBE_DIR = '/etc/amko/kube';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface ImageConfig {
  config: { User: string; Env: string[]; Entrypoint: string[]; WorkingDir: string };
  rootfs: { diff_ids: string[] };
}

/** An executable from PATH or the sbin directories, which PATH may leave out. */
function which(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} not found on PATH or in /usr/sbin, /sbin`);
}

async function sha256(file: string, gunzip = false): Promise<string> {
  const hash = createHash('sha256');
  if (gunzip) await pipeline(createReadStream(file), createGunzip(), hash);
  else await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}

function blobPath(layout: string, digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  assert.ok(m, `bad digest ${digest}`);
  return path.join(layout, 'blobs', 'sha256', m[1] ?? '');
}

/** Reads a JSON blob after checking its digest and size. */
async function jsonBlob<T>(layout: string, d: Descriptor): Promise<T> {
  const file = blobPath(layout, d.digest);
  assert.equal(await sha256(file), d.digest, `blob ${d.digest}`);
  const text = readFileSync(file);
  assert.equal(text.length, d.size, `size of ${d.digest}`);
  return JSON.parse(text.toString('utf8')) as T;
}

interface Image {
  layout: string;
  index: Descriptor;
  manifest: { config: Descriptor; layers: Descriptor[] };
  config: ImageConfig;
}

/** The manifest and config tagged `version` in the OCI layout `layout`, digests checked. */
async function readImage(layout: string, version: string): Promise<Image> {
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const desc = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === version,
  );
  assert.ok(desc, `no manifest tagged ${version} in ${layout}/index.json`);
  const manifest = await jsonBlob<Image['manifest']>(layout, desc);
  const config = await jsonBlob<ImageConfig>(layout, manifest.config);
  return { layout, index: desc, manifest, config };
}

/**
 * The command that runs `argv` from the image as a runtime would: root filesystem read-only,
 * tmpfs /tmp, /proc, a /dev of the usual character devices, the kubeconfig directory mounted
 * read-only at KUBE_DIR; then chroot as the image's user, and the image's WorkingDir and Env only.
 * Every step execs the next, so the process id the caller gets is amko's.
 */
function inImage(
  rootfs: string,
  kubeDir: string,
  config: ImageConfig,
  argv: readonly string[],
): ReturnType<AmkoCommand> {
  const script = [
    'rootfs=$1 kube=$2',
    'shift 2',
    'mount --bind "$rootfs" "$rootfs"',
    'mount -t tmpfs -o mode=1777 tmpfs "$rootfs/tmp"',
    'mount -t proc proc "$rootfs/proc"',
    'mount -t tmpfs -o mode=755 tmpfs "$rootfs/dev"',
    'for d in null zero full random urandom; do',
    '  touch "$rootfs/dev/$d" && mount --bind "/dev/$d" "$rootfs/dev/$d"',
    'done',
    `mount -o bind,ro "$kube" "$rootfs${KUBE_DIR}"`,
    'mount -o remount,bind,ro "$rootfs"',
    'exec "$@"',
  ].join('\n');
  const c = config.config;
  return {
    file: which('unshare'),
    args: [
      '--mount',
      '--propagation',
      'private',
      '/bin/sh',
      '-ec',
      script,
      'image-run',
      rootfs,
      kubeDir,
      which('chroot'),
      `--userspec=${c.User}`,
      rootfs,
      '/usr/bin/env',
      '-i',
      '-C',
      c.WorkingDir,
      ...c.Env,
      ...argv,
    ],
  };
}

describe('container image: amko from the image built by make image', function () {
  this.timeout(600_000);
  const root = repoRoot();
  const out = path.join(root, '.cache', 'image');
  const version = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  let work = '';
  let rootfs = '';
  let kubeDir = '';
  let image: Image;
  let f: LeaderFixture;

  before(async function () {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the image test needs root: it mounts the image root filesystem in a private mount ' +
          'namespace and chroots into it as the image user',
      );
    }
    await run(path.join(root, 'scripts', 'image.sh'), [out], { cwd: root, maxBuffer: 1 << 24 });
    image = await readImage(path.join(out, 'oci'), version);
    work = mkdtempSync(path.join(tmpdir(), 'amko-image-'));
    rootfs = path.join(work, 'rootfs');
    kubeDir = path.join(work, 'kube');
    mkdirSync(rootfs);
    mkdirSync(kubeDir);
    chmodSync(kubeDir, 0o755);
    for (const layer of image.manifest.layers) {
      const file = blobPath(image.layout, layer.digest);
      await run('tar', ['-xzf', file, '-C', rootfs, '--numeric-owner', '--same-permissions']);
    }
    // The mount point of the kubeconfig volume, as a runtime creates it.
    mkdirSync(path.join(rootfs, KUBE_DIR), { recursive: true });

    const command: AmkoCommand = (args) => {
      const a = [...args];
      const i = a.indexOf('--kubeconfig');
      assert.ok(i >= 0, 'amko is started without --kubeconfig');
      // The fixture's kubeconfig, copied (readable by the image user) into the mounted directory.
      a[i + 1] = `${KUBE_DIR}/kubeconfig`;
      return inImage(rootfs, kubeDir, image.config, [...image.config.config.Entrypoint, ...a]);
    };
    f = await LeaderFixture.start({ n: 2, command });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    copyFileSync(f.clusters.kubeconfigPath, path.join(kubeDir, 'kubeconfig'));
    chmodSync(path.join(kubeDir, 'kubeconfig'), 0o644);
  });

  after(async () => {
    await f?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is an OCI layout and archive tagged with the package version, blobs matching digests', async () => {
    const { layout, manifest, config } = image;
    assert.equal(
      image.index.annotations?.['io.containerd.image.name'],
      `ghcr.io/amko-ts/amko:${version}`,
    );
    assert.equal(manifest.layers.length, config.rootfs.diff_ids.length);
    for (const [i, layer] of manifest.layers.entries()) {
      const file = blobPath(layout, layer.digest);
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      assert.equal(await sha256(file), layer.digest, `layer ${i} blob`);
      assert.equal(await sha256(file, true), config.rootfs.diff_ids[i], `layer ${i} diff_id`);
    }
    // The chart's default image is this one.
    const chart = path.join(root, 'charts', 'amko');
    const values = parseYaml(readFileSync(path.join(chart, 'values.yaml'), 'utf8')) as {
      image: { repository: string; tag: string };
    };
    const appVersion = (
      parseYaml(readFileSync(path.join(chart, 'Chart.yaml'), 'utf8')) as { appVersion: string }
    ).appVersion;
    assert.equal(
      `${values.image.repository}:${values.image.tag || appVersion}`,
      `ghcr.io/amko-ts/amko:${version}`,
    );
    assert.equal(config.config.User, '65532:65532');
    assert.deepEqual(config.config.Entrypoint, ['/usr/local/bin/amko']);
    assert.match(
      readFileSync(path.join(rootfs, 'etc', 'passwd'), 'utf8'),
      /^nonroot:x:65532:65532:/m,
    );
    assert.equal(
      realpathSync(path.join(rootfs, 'usr', 'local', 'bin', 'kubectl-amko')),
      path.join(realpathSync(rootfs), 'app', 'dist', 'src', 'cli', 'main.js'),
    );

    // The archive a user pushes: the same layout, plus Docker's manifest.json for docker load.
    const archive = path.join(out, `amko-${version}.tar`);
    const docker = JSON.parse(
      (await run('tar', ['-xOf', archive, 'manifest.json'], { maxBuffer: 1 << 20 })).stdout,
    ) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    assert.deepEqual(docker[0]?.RepoTags, [`ghcr.io/amko-ts/amko:${version}`]);
    assert.equal(docker[0]?.Config, `blobs/sha256/${manifest.config.digest.slice(7)}`);
    assert.deepEqual(
      docker[0]?.Layers,
      manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    );
    const archived = JSON.parse((await run('tar', ['-xOf', archive, 'index.json'])).stdout) as {
      manifests: Descriptor[];
    };
    assert.equal(archived.manifests[0]?.digest, image.index.digest);
  });

  it('runs amko as uid 65532 from the read-only image root, and amko writes a GslbService', async () => {
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: NS } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }],
    });
    const ips: [string, string][] = [
      ['cluster1', '10.10.1.1'],
      ['cluster2', '10.10.2.1'],
    ];
    for (const [c, ip] of ips) {
      await f.objects.namespace(c, NS);
      await f.objects.ingress(c, NS, 'shop', { hosts: [{ host: HOST, ip }], labels: { gslb: NS } });
    }
    const amko = f.startAmko();
    const fixture = f;
    try {
      await eventually(
        async () => {
          const got = (await fixture.gslbServices()).get(HOST);
          assert.ok(got, `GslbService ${HOST} not on the controller`);
          assert.deepEqual(
            normalize(got),
            expectedGs({
              name: HOST,
              uuid: UUID,
              members: ips.map(([c]) => `INGRESS/${c}/${NS}/shop/${HOST}`),
              pools: {
                10: ips.map(([c, ip]) => ({
                  ip,
                  vs: `virtualservice-${HOST}`,
                  cluster: `cluster-${c}`,
                })),
              },
              hms: [pathHmName('http', HOST, '/')],
            }),
          );
        },
        { timeoutMs: 90_000, what: `GslbService ${HOST}` },
      );
      // The process that wrote it: the image's user, inside the image root, mounted read-only.
      const pid = amko.child.pid;
      assert.ok(pid !== undefined && amko.child.exitCode === null, 'amko is not running');
      assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+65532\s+65532\s/m);
      assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Gid:\s+65532\s+65532\s/m);
      assert.equal(readlinkSync(`/proc/${pid}/root`), rootfs);
      const rootMount = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
        .split('\n')
        .map((l) => l.split(' '))
        .find((fields) => fields[4] === '/');
      assert.ok(rootMount, 'no root mount in the mountinfo of amko');
      assert.match(rootMount[5] ?? '', /^ro(,|$)/);
      assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /\/usr\/local\/bin\/amko\0/);
      // The image's NODE_OPTIONS bound the young generation.
      assert.match(
        readFileSync(`/proc/${pid}/environ`, 'utf8'),
        /(^|\0)NODE_OPTIONS=--max-semi-space-size=4\0/,
      );
      assert.match(amko.log(), /"youngGeneration":"semi-spaces up to 4 MB"/);
    } catch (err) {
      process.stderr.write(amko.log().slice(-8000));
      throw err;
    }
  });

  it('carries the kubectl plugin on PATH, which reads the status as the image user', async () => {
    const cli = inImage(rootfs, kubeDir, image.config, [
      'kubectl-amko',
      'status',
      '-o',
      'json',
      '--kubeconfig',
      `${KUBE_DIR}/kubeconfig`,
      '--context',
      'cluster1',
    ]);
    const { stdout } = await run(cli.file, cli.args, { maxBuffer: 1 << 22 });
    const report = JSON.parse(stdout) as StatusReport;
    assert.equal(report.context, 'cluster1');
    assert.equal(report.amkoCluster.isLeader, true);
    assert.deepEqual(report.amkoCluster.clusters, ['cluster1', 'cluster2']);
    assert.equal(report.gslbConfigs[0]?.amkoUuid, UUID);
    assert.equal(report.gslbConfigs[0]?.controllerIP, f.sim.url);
  });
});
