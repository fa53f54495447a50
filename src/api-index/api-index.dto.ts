/** Where to find things: the answer of `GET /api`. */
export class ApiIndexDto {
  /** @example chat-auth-backend */
  name: string;
  /** @example 0.1.0 */
  version: string;
  /**
   * Swagger UI; absent when SWAGGER_ENABLED is off.
   * @example http://localhost:3000/api/docs
   */
  docs?: string;
  /**
   * The OpenAPI document; absent when SWAGGER_ENABLED is off.
   * @example http://localhost:3000/api/docs-json
   */
  openapi?: string;
  /** @example http://localhost:3000/api/health */
  health: string;
}
