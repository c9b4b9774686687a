// S3's REST-XML bodies, written and read with fast-xml-parser: answers in S3's namespace, request
// bodies (CompleteMultipartUpload, Delete, CreateBucketConfiguration) parsed strictly enough that
// bad XML is S3's MalformedXML.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3 } from '../s3-errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });
const parser = new XMLParser({
  ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, processEntities: true,
  isArray: (name) => name === 'Part' || name === 'Object',
});

/** `{ Root: {...} }` as an S3 XML document (the root element in S3's namespace). */
export function xmlDocument(root: string, body: Record<string, unknown>): string {
  return DECLARATION + builder.build({ [root]: { '@_xmlns': S3_NS, ...body } });
}

/** An S3 error document. */
export function xmlError(code: string, message: string, requestId: string, extra: Record<string, string> = {}): string {
  return DECLARATION + builder.build({ Error: { Code: code, Message: message, ...extra, RequestId: requestId } });
}

/**
 * Parses a request body; MalformedXML when it is not well-formed, lacks `root`, or has a document type
 * declaration (no S3 request body has one, and its entities would be read from elsewhere or expanded).
 */
export function parseXml(body: Buffer, root: string): Record<string, any> {
  const text = body.toString('utf8');
  if (text.trim() === '' || /<!DOCTYPE/i.test(text) || XMLValidator.validate(text) !== true) throw S3.MalformedXML();
  let doc: Record<string, any>;
  try { doc = parser.parse(text) as Record<string, any>; } catch { throw S3.MalformedXML(); }
  const value = doc[root];
  if (value === undefined) throw S3.MalformedXML();
  return typeof value === 'object' && value !== null ? value : {};
}
