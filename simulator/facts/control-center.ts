/**
 * How Control Center Services refuses a control it cannot perform (Cisco Tomcat, A Cisco DB: not deployable). No
 * public capture shows the answer, so both shapes clients meet are modelled, selectable per cluster
 * (`controlCenter.refusal`), and the product copes with either.
 */

export type ControlRefusalShape = 'reason-string' | 'fault';

export const CONTROL_REFUSAL_FACTS: ReadonlyArray<{ shape: ControlRefusalShape; fact: string; source: string }> = [
  {
    shape: 'reason-string',
    fact: 'HTTP 200; soapDoControlServicesReturn with ReturnCode -1 and the refusal in ReasonString (the default)',
    source:
      'guess: ControlCenterServices.wsdl (cisco-wsdl/) gives ControlServiceResponse a ReturnCode and ReasonString for this; no captured refusal is public',
  },
  {
    shape: 'fault',
    fact: 'HTTP 500; a SOAP fault (faultcode soapenv:Client) whose faultstring carries the refusal',
    source:
      'guess: Axis answers a request it rejects with a fault (as AXL and RisPort70 do, HTTP 500); no captured refusal is public',
  },
];
