import { Body, Controller, Get, NotFoundException, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../common/auth-context.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import { UsersService } from '../users/users.service.js';

@Controller('users')
@ApiTags('Account')
@ApiSession()
export class ProfileController {
  constructor(private readonly users: UsersService) {}

  /** The signed-in user (same as `GET /api/auth/check`). */
  @Get('me')
  @ApiOkResponse({ type: UserResponseDto })
  getMe(@CurrentAuth() auth: AuthContext): UserResponseDto {
    return toUserResponse(auth.user);
  }

  /** Renames the signed-in user. Any other field is refused. */
  @Patch('me')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiError(
    400,
    'Invalid or unknown fields.',
    'fullName must be 1 to 100 characters long',
    'email is not an allowed field',
  )
  @ApiError(404, 'The account was deleted meanwhile.', 'User not found')
  async updateMe(@CurrentAuth() auth: AuthContext, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    const user = await this.users.updateProfile(auth.user._id, { fullName: dto.fullName });
    if (!user) throw new NotFoundException('User not found');
    return toUserResponse(user);
  }
}
