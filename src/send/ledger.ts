/**
 * The ledger seam's old address, for branches written before it moved to `src/seams/` (so that the
 * configuration can name it without importing the send path). Import `../seams/ledger.js` instead; this
 * re-export goes once nothing imports it.
 */
export * from '../seams/ledger.js';
