export { decodeObject } from './decode-object';
export { decodeSpooled } from './spool';
export { decompress } from './decompress';
export { ObjectDecodeError } from './parser.errors';
export {
  ObjectParser,
  type ObjectOutcome,
  type ObjectParserDeps,
  type ObjectParserSettings,
} from './object-parser';
export { buildParserService, type ParserService, type ParserServiceOptions } from './parser-service';
export { createDigestVerifier, type DigestVerifierSettings } from './digest-verifier';
