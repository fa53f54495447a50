import { PickType } from '@nestjs/swagger';
import { SignupDto } from '../../auth/dto/signup.dto.js';

/** The profile fields a user may edit: only the name (the picture has its own routes). */
export class UpdateUserDto extends PickType(SignupDto, ['fullName'] as const) {}
