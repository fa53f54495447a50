import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../common/auth-context.js';
import { AllowUnverified } from '../common/decorators/allow-unverified.decorator.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { limitMessage } from '../common/validation/paging.js';
import { ActivityService } from '../audit/activity.service.js';
import { ActivityEventResponseDto } from './dto/activity-event-response.dto.js';
import { toActivityResponse } from './activity.mapper.js';
import {
  ACTIVITY_PAGE_DEFAULT,
  ACTIVITY_PAGE_MAX,
  ActivityQueryDto,
  INVALID_ACTIVITY_BEFORE,
} from './dto/activity-query.dto.js';

@Controller('auth')
@ApiTags('Sessions')
@ApiSession()
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  /** The caller's security events (sign-ins, failed ones, password and email changes), newest first. */
  @Get('activity')
  @AllowUnverified()
  @ApiOkResponse({ type: [ActivityEventResponseDto] })
  @ApiError(
    400,
    'Malformed before or limit, or an unknown query parameter.',
    INVALID_ACTIVITY_BEFORE,
    limitMessage(ACTIVITY_PAGE_MAX),
    'user is not an allowed field',
  )
  async listActivity(
    @CurrentAuth() auth: AuthContext,
    @Query() { before, limit = ACTIVITY_PAGE_DEFAULT }: ActivityQueryDto,
  ): Promise<ActivityEventResponseDto[]> {
    const events = await this.activity.forUser(auth.user._id, { before, limit });
    return events.map(toActivityResponse);
  }
}
