import { Controller, Get, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../common/decorators/public.decorator.js';
import type { AppConfig } from '../config/app-config.js';
import { PACKAGE_INFO } from '../config/package-info.js';
import { API_PREFIX, OPENAPI_JSON_PATH, SWAGGER_PATH } from '../common/http/api-paths.js';
import { ApiIndexDto } from './api-index.dto.js';

@Controller()
@ApiTags('Health')
export class ApiIndexController {
  private readonly swaggerEnabled: boolean;

  constructor(config: ConfigService<AppConfig, true>) {
    this.swaggerEnabled = config.get('app.swaggerEnabled', { infer: true });
  }

  /** What this API is and where its documentation and health check are. */
  @Public()
  @Get()
  @ApiOkResponse({ type: ApiIndexDto })
  apiIndex(@Req() req: Request): ApiIndexDto {
    // `req.protocol` and the host honour TRUST_PROXY, so the links work behind a proxy too.
    const base = `${req.protocol}://${req.get('host')}`;
    return {
      name: PACKAGE_INFO.name,
      version: PACKAGE_INFO.version,
      ...(this.swaggerEnabled
        ? { docs: `${base}/${SWAGGER_PATH}`, openapi: `${base}/${OPENAPI_JSON_PATH}` }
        : {}),
      health: `${base}/${API_PREFIX}/health`,
    };
  }
}
