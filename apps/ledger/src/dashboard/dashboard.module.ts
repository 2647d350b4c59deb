import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

const controllers = [DashboardController];

/** The finance dashboard's static pages; they call the finance API from the browser. */
@Module({ controllers })
export class DashboardModule {}
