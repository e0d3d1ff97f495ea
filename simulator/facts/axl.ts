/**
 * How AXL writes its replies, as the simulator reproduces them. Each row cites its public source or says `guess`.
 */

export interface AxlFact {
  fact: string;
  source: string;
}

const XSD =
  'AXL schema reference (DevNet, AXLSoap.xsd 14.0/15.0: https://pubhub.devnetcloud.com/media/axl-schema-reference/)';

/**
 * The elements of an LPhone (listPhone's row type) the simulator answers, in the schema's sequence order (AXLSoap.xsd
 * LPhone; the same order as RPhone in captured getPhone replies). AXL writes a row's elements in this order whatever
 * order the request's returnedTags named them in.
 */
export const LPHONE_ELEMENT_ORDER = [
  'name',
  'description',
  'product',
  'model',
  'class',
  'protocol',
  'protocolSide',
  'callingSearchSpaceName',
  'devicePoolName',
  'locationName',
  'securityProfileName',
] as const;
export const LPHONE_ELEMENT_ORDER_SOURCE = `${XSD}, LPhone's sequence`;

/** LPhone elements of type XFkType: written with the referenced item's uuid as an attribute. */
export const LPHONE_FOREIGN_KEYS: ReadonlySet<string> = new Set([
  'callingSearchSpaceName',
  'devicePoolName',
  'locationName',
  'securityProfileName',
]);

export const AXL_FACTS: readonly AxlFact[] = [
  {
    fact:
      "A foreign-key value (XFkType) is written with the referenced row's pkid as a uuid attribute: " +
      '<securityProfileName uuid="{…}">Cisco 8831 - Standard SIP Non-Secure Profile</securityProfileName>; ' +
      'an empty foreign key is an empty element',
    source:
      `${XSD}, type XFkType (simple content with an optional uuid attribute); captured AXL 10.5 getPhone replies ` +
      'quoted in public AXL scripts (devicePoolName, commonDeviceConfigName, locationName, securityProfileName and ' +
      'sipProfileName all carry uuid="{…}"; callingSearchSpaceName empty as <callingSearchSpaceName/>)',
  },
  {
    fact: 'A list row carries its own uuid attribute (<phone uuid="{…}">, <phone ctiid="…" uuid="{…}"> on get)',
    source: `${XSD}, LPhone/RPhone attributes; the same captured getPhone replies`,
  },
  {
    fact: 'Elements of a returned row come in the schema sequence order of its type, not in returnedTags order',
    source: `${XSD}: LPhone is an xsd:sequence; a reply is serialised from the type (Axis), not from the request`,
  },
  {
    fact:
      'A fault is HTTP 500 with soapenv:Fault; faultcode soapenv:Client for a bad request; detail/axlError carries ' +
      'axlcode, axlmessage and request',
    source:
      'Cisco Unified Communications Manager XML Developers Guide 7.1(2), "AXL Error Codes" ' +
      '(https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/devguide/7_1_2/AXL_DevGuide/axl.html); the ' +
      'numbers the simulator picks per fault (5003 version mismatch, 5007 item not valid, 5000 other): guess',
  },
];
