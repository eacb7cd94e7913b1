export type { Bus, BusMessage, ConsumeOptions, Delivery, OutgoingMessage, Payload } from './bus.js';
export { MemoryBus, type MemoryBusOptions } from './memory/memory-bus.js';
