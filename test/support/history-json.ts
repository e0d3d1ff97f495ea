/**
 * Workflow histories to and from Temporal's JSON format (the one `temporal workflow show -o json` and the Web UI's
 * download write), for the replay fixtures.
 *
 * The SDK's historyToJSON / historyFromJSON (@temporalio/common/lib/proto-utils) are tried first. In this install
 * they throw "type must be a Type": npm left two copies of protobufjs 8 (one under @temporalio/common, one under
 * @temporalio/proto), and the protojson extension of the first checks `instanceof Type` against types built by the
 * second. The fallback does what the SDK does, with the protojson of the copy that built the types.
 */
import { createRequire } from 'node:module';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

let fallback: { json: ProtoJson; historyType: unknown } | undefined;
function protoJson(): { json: ProtoJson; historyType: unknown } {
  if (!fallback) {
    const fromProto = createRequire(require.resolve('@temporalio/proto'));
    const json = fromProto('protobufjs/ext/protojson') as ProtoJson;
    const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
    fallback = { json, historyType: root.lookupType('temporal.api.history.v1.History') };
  }
  return fallback;
}

const typeMismatch = (err: unknown) => err instanceof TypeError && /type must be a Type/.test(err.message);

/** The history as a plain JSON value (proto3 JSON: int64 as strings, enums as names, bytes in base64). */
export function historyToJsonValue(history: History): unknown {
  try {
    return JSON.parse(historyToJSON(history)) as unknown;
  } catch (err) {
    if (!typeMismatch(err)) throw err;
    const { json, historyType } = protoJson();
    return json.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
  }
}

/** A History message from its JSON value, as Worker.runReplayHistory takes it. */
export function historyFromJsonValue(value: unknown): History {
  try {
    return historyFromJSON(value);
  } catch (err) {
    if (!typeMismatch(err)) throw err;
    const { json, historyType } = protoJson();
    return json.fromJson(historyType, value, { ignoreUnknownFields: true }) as History;
  }
}
