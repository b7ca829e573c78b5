CloudplaneCommand.runMain()
