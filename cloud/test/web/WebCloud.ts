import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type MessageKind, type MessageOf, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { HttpApi, type WebPagesOptions } from '../../src/api/HttpApi.js';
import { Readiness } from '../../src/api/Readiness.js';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { BillingService } from '../../src/billing/BillingService.js';
import { CloudBroker } from '../../src/broker/CloudBroker.js';
import { Ingest } from '../../src/ingest/Ingest.js';
import { Store } from '../../src/store/Store.js';
import { tariffInput } from '../billing/fixtures.js';

/** Where browser tests keep their screenshots (gitignored `test-results/`). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

/**
 * The cloud as it runs, for the browser tests: the embedded broker on an ephemeral port, the
 * real ingest writing SQLite in a temp dir, billing with a tariff file, and the HTTP API with
 * the web pages. Devices are
 * MQTT clients publishing contract messages; `send` waits until the ingest stored them.
 */
export class WebCloud {
  readonly dir = mkdtempSync(join(tmpdir(), 'releve-web-'));
  readonly logger = pino({ level: process.env.WEB_TEST_LOG ?? 'silent' });
  readonly store = Store.open({ dataDir: this.dir, synchronous: 'normal', logger: this.logger });
  readonly tokens = new ApiTokenStore(this.store.db);
  readonly broker = new CloudBroker({
    dataDir: null,
    mqtt: { host: '127.0.0.1', port: 0 },
    mqtts: null,
    ws: null,
    passwordFile: null,
    aclFile: null,
    allowAnonymous: true,
    maxPacketBytes: 1024 * 1024,
    logger: this.logger,
  });
  /** Billing with the tariff of docs/billing.md's worked examples. */
  readonly billing: BillingService;
  ingest: Ingest | null = null;
  api: HttpApi | null = null;
  /** A token per role, issued at start. */
  tokenOf = {} as Record<Role, string>;
  #clients = new Map<string, MqttClient>();

  constructor(private readonly web: WebPagesOptions = {}) {
    writeFileSync(join(this.dir, 'tariff.json'), JSON.stringify(tariffInput));
    this.billing = new BillingService(this.store.db, join(this.dir, 'tariff.json'), this.dir);
  }

  async start(): Promise<void> {
    await this.broker.start();
    this.ingest = new Ingest({
      url: `mqtt://127.0.0.1:${this.broker.ports.mqtt}`,
      clientId: 'web-test-ingest',
      store: this.store,
      logger: this.logger,
    });
    await this.ingest.start();
    this.api = new HttpApi({
      host: '127.0.0.1',
      port: 0,
      store: this.store,
      tokens: this.tokens,
      metrics: new CloudMetrics(false),
      readiness: new Readiness(),
      bus: this.ingest.events,
      billing: this.billing,
      logger: this.logger,
      web: this.web,
    });
    await this.api.start();
    for (const r of ROLES) this.tokenOf[r] = this.tokens.issue(r, `web test ${r}`).secret;
  }

  get url(): string {
    if (!this.api) throw new Error('not started');
    return this.api.url;
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
    const before = this.ingest?.stats().stored ?? 0;
    for (const m of messages)
      await client.publishAsync(topicFor(kind, deviceId), encodeMessage(kind, m), { qos: 1 });
    await waitFor(
      () => (this.ingest?.stats().stored ?? 0) - before >= messages.length,
      20_000,
      `${messages.length} ${kind} stored`,
    );
  }

  async stop(): Promise<void> {
    for (const c of this.#clients.values()) await c.endAsync(true);
    await this.api?.stop();
    await this.ingest?.stop();
    await this.broker.stop();
    this.store.close();
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
