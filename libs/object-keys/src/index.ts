export { classifyKey, parseCompactTime, type ObjectKeyInfo } from './object-key';
