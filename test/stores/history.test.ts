import { memoryStore } from '@kenchi/server'
import { describeHistoryConformance } from './history-conformance.js'

describeHistoryConformance('memory', async () => memoryStore())
