import nock from 'nock';
import { afterEach } from 'vitest';

// No real network in the suite: only loopback servers started by the tests themselves (the simulator).
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
