import { takeContractViolations } from './openapi-contract.js';

/**
 * e2e setup file: a test fails when any response it received is not what the OpenAPI document
 * says (see openapi-contract.ts). Responses received in a beforeAll are reported by the first test.
 * Fix the documentation, or the route, not this hook.
 */
afterEach(() => {
  const violations = takeContractViolations();
  if (violations.length > 0) {
    throw new Error(
      `Undocumented response(s), see the OpenAPI document (src/api-docs/swagger.ts and the controllers' decorators):\n- ${violations.join('\n- ')}`,
    );
  }
});
