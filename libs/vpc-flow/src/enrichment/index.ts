export { addressClass, type AddressClass } from './address-class';
export { guessDirection, type Direction } from './direction';
export { IP_PROTOCOLS, protocolName } from './ip-protocols.table';
export { WELL_KNOWN_PORTS, serviceName } from './well-known-ports.table';
