import { memoryStore } from '@kenchi/server'
import { describeScenarios } from './scenarios.js'

describeScenarios('memory', async () => memoryStore())
