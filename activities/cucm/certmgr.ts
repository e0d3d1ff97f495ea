/**
 * The certificate-management REST API (CUCM 14 and later; HTTP Basic with the platform administrator): CSR,
 * identity and trust upload. Older releases use the CLI (`set csr gen`, `set cert import`).
 */
import axios, { type AxiosInstance } from 'axios';
import { classifyHttpError, CucmHttpError, type HttpsTrust } from './errors';
import { recordSent } from './evidence';

interface CertMgrTarget extends HttpsTrust {
  label: string;
  baseUrl: string;
  username: string;
  password: string;
}

const BASE = '/platformcom/api/v1/certmgr/config';

export class CertMgrClient {
  private readonly http: AxiosInstance;

  constructor(private readonly target: CertMgrTarget) {
    this.http = axios.create({
      baseURL: target.baseUrl,
      timeout: 120_000,
      auth: { username: target.username, password: target.password },
    });
  }

  private async request<T>(what: string, method: 'get' | 'post', path: string, body?: unknown): Promise<T> {
    // Method and path only: the body holds certificates (public) but the evidence keeps no bodies.
    recordSent('https', this.target.node ?? this.target.label, `${method.toUpperCase()} ${BASE}/${path}`, [
      this.target.password,
    ]);
    try {
      const response = await this.http.request<T>({
        method,
        url: `${BASE}/${path}`,
        data: body,
        httpsAgent: await this.target.agent(),
      });
      return response.data;
    } catch (err) {
      const e = err as { response?: { status?: number; data?: { message?: string } } };
      const status = e.response?.status;
      if (status === 400)
        throw new CucmHttpError(
          'fault',
          `${this.target.label}: ${what} refused: ${e.response?.data?.message ?? 'HTTP 400'}`,
          400,
        );
      // The API says why in its JSON body: keep it in the message.
      const detail = e.response?.data?.message;
      throw classifyHttpError(`${this.target.label}: ${what}${detail ? ` (${detail})` : ''}`, err, this.target);
    }
  }

  /**
   * `distribution` 'this-server' (what the public clients send) or 'multi-server' (the cluster-wide SAN CSR; the
   * value is a guess after the GUI's "Multi-server(SAN)": no public client or document shows the REST spelling).
   */
  async createCsr(input: {
    service: string;
    commonName?: string;
    altNames?: string[];
    keyType?: 'rsa' | 'ec';
    keyLength?: number;
    distribution?: 'this-server' | 'multi-server';
  }): Promise<string> {
    const data = await this.request<{ csr: string }>('CSR generation', 'post', 'csr', {
      distribution: 'this-server',
      keyType: 'rsa',
      keyLength: 2048,
      hashAlgorithm: 'sha256',
      ...input,
    });
    return data.csr;
  }

  /** Uploads the signed leaf with its chain: [leaf, intermediates..., root]. */
  async uploadIdentity(service: string, chain: string[]): Promise<void> {
    await this.request('identity upload', 'post', 'identity/certificates', { service, certificates: chain });
  }

  async uploadTrust(stores: string[], certificates: string[], description: string): Promise<void> {
    await this.request('trust upload', 'post', 'trust/certificates', { service: stores, certificates, description });
  }
}
