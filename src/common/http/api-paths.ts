/** Every route of the API is under /api (the reference frontend's paths). */
export const API_PREFIX = 'api';

/** The Swagger UI and the OpenAPI document it shows. */
export const SWAGGER_PATH = `${API_PREFIX}/docs`;
export const OPENAPI_JSON_PATH = `${SWAGGER_PATH}-json`;
