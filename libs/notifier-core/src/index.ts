export { Notifier, toObjectEvent, type NotifierDeps, type NotifierSettings } from './notifier';
