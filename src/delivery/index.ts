/**
 * Delivery outcomes: status callbacks, polling and what each status and error code means. The public face
 * of the delivery modules.
 */
export {
  DELIVERY_ERROR_CODES,
  DELIVERY_OUTCOMES,
  type DeliveryErrorInfo,
  type DeliveryOutcome,
  deliveryErrorInfo,
  deliveryOutcome,
} from './outcome.js';
export {
  createStatusCallbackHandler,
  type DeliveryEvent,
  type StatusCallbackHandler,
  type StatusCallbackHandlerOptions,
} from './status-callback.js';
export { isFinalStatus, statusSupersedes } from './status-order.js';
