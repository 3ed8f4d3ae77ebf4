/**
 * The ledger seam's old address, for branches written before it moved to the seams folder (so that the
 * configuration can name it without importing the send path). Import it from the seams folder instead;
 * this re-export goes once nothing imports it.
 */
export * from '../seams/ledger.js';
