/**
 * The HTTPS side of one simulated node (port 8443 on a real node), serving the node's *active* tomcat certificate:
 *   - AXL                        POST /axl/                                            (application user)
 *   - RisPort70                  /realtimeservice2/services/RISService70               (application user, node-soap)
 *   - Control Center Services    /controlcenterservice2/services/ControlCenterServices (application user, node-soap)
 *   - PerfMon                    /perfmonservice2/services/PerfmonService               (application user, node-soap)
 *   - certificate REST API, 14+  /platformcom/api/v1/certmgr/config/...                (OS administrator)
 * Like Tomcat, it is unreachable while Cisco Tomcat is not running or the node is down (fault injection), and a
 * Tomcat restart drops open connections and brings up the regenerated certificate.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { atLeast } from './facts';
import type { SimNode } from './model';
import { SERVICE } from './services';
import { handleAxl } from './https/axl';
import { requireBasicAuth } from './https/basic-auth';
import { CERTMGR_BASE, handleCertMgr } from './https/certmgr';
import { CONTROL_CENTER_PATH, controlCenterServices } from './https/control-center';
import { BodyTooLarge, requestPath, sendTomcatError } from './https/http-util';
import { PERFMON_PATH, perfmonServices } from './https/perfmon';
import { RISPORT_PATH, risportServices } from './https/risport';
import { mountSoapService } from './https/soap-endpoint';

export interface NodeHttpsServer {
  port: number;
  /** Re-reads the node's active tomcat certificate (called when Cisco Tomcat restarts). */
  reloadCertificate(): void;
  close(): Promise<void>;
}

const APPLICATION_REALM = 'Cisco Unified Communications Manager';
const PLATFORM_REALM = 'CMPlatform Realm';

/** What Tomcat would be doing: a node that is down or whose Tomcat is not running accepts nothing. */
function reachable(node: SimNode): boolean {
  return !node.cluster.faults.nodesDown.has(node.name) && node.isStarted(SERVICE.tomcat);
}

/** Authenticates by path; false when the request has been answered (401/404) and must go no further. */
function admit(node: SimNode, req: IncomingMessage, res: ServerResponse): boolean {
  const path = requestPath(req);
  if (path === CERTMGR_BASE || path.startsWith(`${CERTMGR_BASE}/`) || path.startsWith('/platformcom/')) {
    // The API exists from 14.0; earlier nodes answer 404 before asking for credentials.
    if (!atLeast(node.cluster.version, 14)) {
      sendTomcatError(res, 404, `The requested resource [${path}] is not available`);
      return false;
    }
    return requireBasicAuth(req, res, node.cluster.osAdmin, PLATFORM_REALM);
  }
  if (path === PERFMON_PATH && node.cluster.faults.perfmonUnavailable === 'not-found') {
    // The control API's switch: PerfMon's web application is not deployed (what a client meets as Tomcat's 404).
    sendTomcatError(res, 404, `The requested resource [${path}] is not available`);
    return false;
  }
  if (path === RISPORT_PATH || path === CONTROL_CENTER_PATH || path === PERFMON_PATH) {
    // Clients send assorted SOAPActions ("selectCmDevice", "http://schemas.cisco.com/ast/soap/action/#RisPort#..."),
    // which Axis accepts by dispatching on the body element; without the header node-soap does the same.
    delete req.headers.soapaction;
    return requireBasicAuth(req, res, node.cluster.axlUser, APPLICATION_REALM);
  }
  if (path === '/axl') return requireBasicAuth(req, res, node.cluster.axlUser, APPLICATION_REALM);
  return true;
}

/** Requests that node-soap does not take (it mounts its services in front of this listener). */
async function route(node: SimNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = requestPath(req);
  if (path === '/axl') return handleAxl(node, req, res);
  if (path.startsWith(`${CERTMGR_BASE}/`)) return handleCertMgr(node, req, res);
  sendTomcatError(res, 404, `The requested resource [${path}] is not available`);
}

function answerError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof BodyTooLarge) return sendTomcatError(res, 413, err.message);
  sendTomcatError(res, 500, err instanceof Error ? err.message : String(err));
}

export async function startNodeHttpsServer(
  node: SimNode,
  options: { host: string; port?: number },
): Promise<NodeHttpsServer> {
  const tomcat = () => node.activeCertificate('tomcat');
  const sockets = new Set<Socket>();
  const server = createServer({ cert: tomcat().pem, key: tomcat().keyPem }, (req, res) => {
    route(node, req, res).catch((err: unknown) => answerError(res, err));
  });
  server.on('connection', (socket: Socket) => {
    // Refused at TCP level, before TLS: what a client sees while the node reboots or Tomcat restarts.
    if (!reachable(node)) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await mountSoapService(server, RISPORT_PATH, 'RISService70.wsdl', risportServices(node));
  await mountSoapService(server, PERFMON_PATH, 'PerfmonService.wsdl', perfmonServices(node));
  await mountSoapService(server, CONTROL_CENTER_PATH, 'ControlCenterServices.wsdl', controlCenterServices(node));

  // In front of everything (node-soap included): reachability on kept-alive connections, then authentication.
  const inner = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!reachable(node)) {
      req.socket.destroy();
      return;
    }
    if (!admit(node, req, res)) return;
    for (const listener of inner) listener.call(server, req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => resolve());
  });
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    reloadCertificate: () => {
      server.setSecureContext({ cert: tomcat().pem, key: tomcat().keyPem });
      // A restarted Tomcat starts with no connections: clients reconnect and meet the new certificate.
      dropConnections();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        dropConnections();
      }),
  };
}
