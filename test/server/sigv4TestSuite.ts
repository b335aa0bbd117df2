/**
 * A selection of AWS's published Signature Version 4 test suite ("aws-sig-v4-test-suite", from the
 * AWS General Reference: https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
 * restated here as data: each request as it arrives (request target and header lines as sent), the
 * canonical request the suite gives for it, and the suite's expected signature. All are signed on
 * 2015-08-30T12:36:00Z for region us-east-1 and service "service" with the suite's example key.
 */

export const SUITE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
export const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
export const SUITE_SCOPE = { date: '20150830', region: 'us-east-1', service: 'service' };
const AMZ_DATE = '20150830T123600Z';
const HOST = 'example.amazonaws.com';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const FORM_SHA256 = '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e';

export interface SuiteVector {
  name: string;
  method: string;
  /** The request target as it appears on the request line. */
  target: string;
  /** Header lines in the order sent; a name may repeat. */
  headers: [string, string][];
  body: string;
  signedHeaders: string;
  /** The suite's canonical request, line by line. */
  canonicalRequest: string[];
  /** The suite's expected signature (hex). */
  signature: string;
}

const plain = (extra: [string, string][] = []): [string, string][] => [['Host', HOST], ...extra, ['X-Amz-Date', AMZ_DATE]];

export const SUITE_VECTORS: SuiteVector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    target: '/',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['GET', '/', '', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    target: '/?Param2=value2&Param1=value1',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['GET', '/', 'Param1=value1&Param2=value2', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-value',
    method: 'GET',
    target: '/?Param1=value2&Param1=value1',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['GET', '/', 'Param1=value1&Param1=value2', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    target: '/?\u1234=bar',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['GET', '/', '%E1%88%B4=bar', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-unreserved',
    method: 'GET',
    target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['GET', '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', '', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    target: '/',
    headers: plain([
      ['My-Header1', 'value2'],
      ['My-Header1', 'value2'],
      ['My-Header1', 'value1'],
    ]),
    body: '',
    signedHeaders: 'host;my-header1;x-amz-date',
    canonicalRequest: ['GET', '/', '', `host:${HOST}`, 'my-header1:value2,value2,value1', `x-amz-date:${AMZ_DATE}`, '', 'host;my-header1;x-amz-date', EMPTY_SHA256],
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    target: '/',
    headers: plain([
      ['My-Header1', ' value1'],
      ['My-Header2', ' "a   b   c"'],
    ]),
    body: '',
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    canonicalRequest: ['GET', '/', '', `host:${HOST}`, 'my-header1:value1', 'my-header2:"a b c"', `x-amz-date:${AMZ_DATE}`, '', 'host;my-header1;my-header2;x-amz-date', EMPTY_SHA256],
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    target: '/',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['POST', '/', '', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    method: 'POST',
    target: '/?Param1=value1',
    headers: plain(),
    body: '',
    signedHeaders: 'host;x-amz-date',
    canonicalRequest: ['POST', '/', 'Param1=value1', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'host;x-amz-date', EMPTY_SHA256],
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-header-key-sort',
    method: 'POST',
    target: '/',
    headers: plain([['My-Header1', 'value1']]),
    body: '',
    signedHeaders: 'host;my-header1;x-amz-date',
    canonicalRequest: ['POST', '/', '', `host:${HOST}`, 'my-header1:value1', `x-amz-date:${AMZ_DATE}`, '', 'host;my-header1;x-amz-date', EMPTY_SHA256],
    signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    target: '/',
    headers: [['Content-Type', 'application/x-www-form-urlencoded'], ...plain(), ['Content-Length', '13']],
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    canonicalRequest: ['POST', '/', '', 'content-type:application/x-www-form-urlencoded', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'content-type;host;x-amz-date', FORM_SHA256],
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    method: 'POST',
    target: '/',
    headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=utf8'], ...plain(), ['Content-Length', '13']],
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    canonicalRequest: ['POST', '/', '', 'content-type:application/x-www-form-urlencoded; charset=utf8', `host:${HOST}`, `x-amz-date:${AMZ_DATE}`, '', 'content-type;host;x-amz-date', FORM_SHA256],
    signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe',
  },
];
