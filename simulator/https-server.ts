/**
 * The HTTPS side of one simulated node (port 8443 on a real node), serving the node's *active* tomcat certificate.
 * Placeholder until the interfaces land: AXL, RisPort70, Control Center Services, certificate REST API.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SimNode } from './model';

export interface NodeHttpsServer {
  port: number;
  /** Re-reads the node's active tomcat certificate (called when Cisco Tomcat restarts). */
  reloadCertificate(): void;
  close(): Promise<void>;
}

export async function startNodeHttpsServer(node: SimNode, options: { host: string; port?: number }): Promise<NodeHttpsServer> {
  const tomcat = () => node.activeCertificate('tomcat');
  const server = createServer({ cert: tomcat().pem, key: tomcat().keyPem }, (_req, res) => {
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    reloadCertificate: () => server.setSecureContext({ cert: tomcat().pem, key: tomcat().keyPem }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
