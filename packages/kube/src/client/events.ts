import { randomBytes } from "node:crypto";
import type { KubeObject } from "../types.js";
import { resourcePath, type KubeClient } from "./kube-client.js";
import type { KubeLogger } from "./informer.js";

/** An event to record on an object. Messages are written by hush and never carry values. */
export interface EventInput {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/**
 * Records core/v1 Events. Repeats of the same (object, reason, message) within 10 minutes
 * bump `count` on the existing Event instead of creating a new one, as client-go's
 * correlator does. Recording failures are logged, never thrown: events are best effort.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #log: KubeLogger | undefined;
  #recent = new Map<string, { name: string; namespace: string; count: number; at: number; first: string }>();

  constructor(client: KubeClient, options: { component: string; log?: KubeLogger }) {
    this.#client = client;
    this.#component = options.component;
    this.#log = options.log;
  }

  /** Records `event` on `obj` (which must carry apiVersion, kind, name, namespace, uid). */
  async record(obj: KubeObject, event: EventInput): Promise<void> {
    const namespace = obj.metadata.namespace || "default";
    const key = `${obj.metadata.uid}|${event.type}|${event.reason}|${event.message}`;
    const now = new Date();
    const iso = now.toISOString();
    const message = event.message.length > 1024 ? `${event.message.slice(0, 1021)}...` : event.message;
    try {
      const prev = this.#recent.get(key);
      if (prev && now.getTime() - prev.at < 600_000) {
        prev.count++;
        prev.at = now.getTime();
        await this.#client.request("PATCH", resourcePath({ version: "v1", plural: "events", namespace: prev.namespace, name: prev.name }), {
          body: { count: prev.count, lastTimestamp: iso },
          contentType: "application/merge-patch+json",
        });
        return;
      }
      const name = `${obj.metadata.name}.${randomBytes(8).toString("hex")}`;
      await this.#client.request("POST", resourcePath({ version: "v1", plural: "events", namespace }), {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace: obj.metadata.namespace,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          type: event.type,
          reason: event.reason,
          message,
          source: { component: this.#component },
          reportingComponent: this.#component,
          firstTimestamp: iso,
          lastTimestamp: iso,
          count: 1,
        },
      });
      if (this.#recent.size > 10_000) this.#recent.clear();
      this.#recent.set(key, { name, namespace, count: 1, at: now.getTime(), first: iso });
    } catch (err) {
      this.#recent.delete(key);
      this.#log?.warn({ reason: event.reason, object: `${namespace}/${obj.metadata.name}`, code: (err as { code?: string }).code }, "could not record event");
    }
  }
}
