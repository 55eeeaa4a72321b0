import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type MessageKind, type MessageOf, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { BillingService } from '../../src/billing/BillingService.js';
import type { CloudBroker } from '../../src/broker/CloudBroker.js';
import { CloudApp } from '../../src/CloudApp.js';
import { loadCloudConfig } from '../../src/config/CloudConfig.js';
import type { Store } from '../../src/store/Store.js';
import { tariffInput } from '../billing/fixtures.js';

/** Where browser tests keep their screenshots (gitignored `test-results/`). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

/**
 * The cloud as `releve-cloud serve` runs it (`CloudApp`): the embedded broker on an ephemeral
 * port, the real ingest writing SQLite in a temp data dir, billing with a tariff file, and the
 * HTTP API with the web pages on an ephemeral port. Devices are MQTT clients publishing
 * contract messages; `send` waits until the ingest stored them. Build it with `create()`,
 * seed the registry into `store`, then `start()`.
 */
export class WebCloud {
  /** Billing over the same store and data dir (same tariff file, same citizen-link key). */
  readonly billing: BillingService;
  /** A token per role, issued at start. */
  tokenOf = {} as Record<Role, string>;
  #clients = new Map<string, MqttClient>();

  private constructor(
    readonly app: CloudApp,
    readonly dir: string,
    tariffFile: string,
  ) {
    this.billing = new BillingService(app.store.db, tariffFile, app.config.dataDir);
  }

  /** A cloud in a new temp dir; `http` sets web options of the configuration (tile URL). */
  static async create(http: { tileUrl?: string | null } = {}): Promise<WebCloud> {
    const dir = mkdtempSync(join(tmpdir(), 'releve-web-'));
    const tariffFile = join(dir, 'tariff.json');
    writeFileSync(tariffFile, JSON.stringify(tariffInput));
    const config = await loadCloudConfig(null, {
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true },
      http: { host: '127.0.0.1', port: 0, tileUrl: http.tileUrl ?? null },
      billing: { tariffFile },
    });
    const app = new CloudApp(config, pino({ level: process.env.WEB_TEST_LOG ?? 'silent' }));
    return new WebCloud(app, dir, tariffFile);
  }

  get store(): Store {
    return this.app.store;
  }

  get broker(): CloudBroker {
    return this.app.broker;
  }

  async start(): Promise<void> {
    await this.app.start();
    const tokens = new ApiTokenStore(this.app.store.db);
    for (const r of ROLES) this.tokenOf[r] = tokens.issue(r, `web test ${r}`).secret;
  }

  get url(): string {
    return this.app.api.url;
  }

  /** Publishes device messages QoS 1 as `deviceId` and waits until the ingest stored them all. */
  async send<K extends MessageKind>(kind: K, deviceId: string, messages: MessageOf<K>[]): Promise<void> {
    let client = this.#clients.get(deviceId);
    if (!client) {
      client = await mqtt.connectAsync(`mqtt://127.0.0.1:${this.broker.ports.mqtt}`, {
        clientId: deviceId,
        protocolVersion: 4,
        clean: true,
      });
      this.#clients.set(deviceId, client);
    }
    const stored = () => this.app.ingest.stats()?.stored ?? 0;
    const before = stored();
    for (const m of messages)
      await client.publishAsync(topicFor(kind, deviceId), encodeMessage(kind, m), { qos: 1 });
    await waitFor(() => stored() - before >= messages.length, 20_000, `${messages.length} ${kind} stored`);
  }

  async stop(): Promise<void> {
    for (const c of this.#clients.values()) await c.endAsync(true);
    await this.app.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A real headless Debian Chromium with a fresh profile, driven by playwright-core. */
export class Browser {
  readonly profile = mkdtempSync(join(tmpdir(), 'releve-chromium-'));
  context: BrowserContext | null = null;

  async start(): Promise<void> {
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      timeout: 60_000,
    });
    this.context.setDefaultTimeout(20_000);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }

  /** A new tab with no session (cookies cleared: each role signs in from scratch). */
  async freshPage(): Promise<Page> {
    if (!this.context) throw new Error('browser not started');
    await this.context.clearCookies();
    for (const p of this.context.pages()) await p.close();
    return this.context.newPage();
  }

  /** Signs in through the login form as a person holding `token`; the page ends on their home. */
  async signIn(baseUrl: string, token: string, next?: string): Promise<Page> {
    const page = await this.freshPage();
    await page.goto(`${baseUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    await page.getByLabel(/Jeton d’accès|Access token/).fill(token);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login')),
      page.getByRole('button', { name: /Se connecter|Sign in/ }).click(),
    ]);
    return page;
  }

  async screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  async stop(): Promise<void> {
    await this.context?.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
